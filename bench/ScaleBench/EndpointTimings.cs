using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ConnectorHealth.ScaleBench;

// One endpoint or page: its timed calls (to the last byte of the answer, after the warm-up calls), the answer's size, its
// status codes, and for a list how many items the first page held and the total it named, if it named one.
internal sealed record EndpointTiming(
    string Name, string Path, Percentile Milliseconds, long Bytes, IReadOnlyDictionary<string, int> Statuses, int? Items, long? Total);

// The API through the gateway (operator key) and the web UI's prerendered pages from the web UI resource, called one at a
// time so each figure is that endpoint's alone.
internal sealed class EndpointTimings(HttpClient gateway, HttpClient webUi, int warmUp, int requests, Action<string> say)
{
    public async Task<IReadOnlyList<EndpointTiming>> RunAsync(string search)
    {
        (string Name, HttpClient Client, string Path)[] endpoints =
        [
            ("Connectors, first page", gateway, "/api/connectors"),
            ($"Connectors, search \"{search}\"", gateway, $"/api/connectors?search={Uri.EscapeDataString(search)}"),
            ("Status board", gateway, "/api/kpis/connectors"),
            ("Daily KPIs", gateway, "/api/kpis/daily"),
            ("Daily KPI totals", gateway, "/api/kpis/daily/totals"),
            ("Runs, first page", gateway, "/api/runs"),
            ("Web UI: overview", webUi, "/"),
            ("Web UI: connectors", webUi, "/connectors"),
        ];
        var timings = new List<EndpointTiming>();
        foreach (var (name, client, path) in endpoints)
        {
            for (var i = 0; i < warmUp; i++)
            {
                await CallAsync(client, path);
            }
            var calls = new List<Call>();
            for (var i = 0; i < requests; i++)
            {
                calls.Add(await CallAsync(client, path));
            }
            var last = calls.LastOrDefault(c => c.Status == "200") ?? calls[^1];
            var (items, total) = Count(last.Body);
            var timing = new EndpointTiming(
                name, path, Percentile.Of(calls.Select(c => c.Milliseconds)), last.Bytes,
                calls.GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Count()), items, total);
            say($"  {name} ({path}): p50 {timing.Milliseconds.P50:N1} ms, p95 {timing.Milliseconds.P95:N1} ms, {timing.Bytes:N0} B"
                + (items is { } n ? $", {n:N0} items" : "") + (total is { } t ? $" of {t:N0}" : ""));
            timings.Add(timing);
        }
        return timings;
    }

    private sealed record Call(double Milliseconds, string Status, long Bytes, byte[] Body);

    private static async Task<Call> CallAsync(HttpClient client, string path)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsByteArrayAsync();
            return new Call(clock.Elapsed.TotalMilliseconds, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), body.LongLength, body);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new Call(clock.Elapsed.TotalMilliseconds, ex.GetType().Name, 0, []);
        }
    }

    // A JSON answer's `items` (a list's first page) and `total`, when it has them; the status board has `items`, and `total`
    // once it is paged.
    private static (int? Items, long? Total) Count(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            int? items = document.RootElement.TryGetProperty("items", out var list) && list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : null;
            long? total = document.RootElement.TryGetProperty("total", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt64() : null;
            return (items, total);
        }
        catch (JsonException)
        {
            return (null, null); // A page, not JSON.
        }
    }
}
