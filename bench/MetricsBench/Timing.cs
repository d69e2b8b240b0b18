using System.Diagnostics;
using System.Text.Json;
using Npgsql;

namespace ConnectorHealth.MetricsBench;

// First: The very first request, before any warm-up: what a cold process (empty caches) answers in.
internal sealed record Measurement(int Iterations, double P50, double P95, double Max, int Rows, long Bytes, double First)
{
    public static Measurement From(List<double> milliseconds, int rows, long bytes, double first)
    {
        milliseconds.Sort();
        return new Measurement(milliseconds.Count, Rank(milliseconds, 0.50), Rank(milliseconds, 0.95), milliseconds[^1], rows, bytes, first);
    }

    private static double Rank(List<double> sorted, double quantile) => sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Count) - 1)];
}

internal static class Timing
{
    // Times a GET to the last byte of the body, after warm-up requests; counts the items of the last answer.
    public static async Task<Measurement> HttpAsync(HttpClient client, string url, int iterations, int warmup = 10)
    {
        var times = new List<double>(iterations);
        var first = 0.0;
        byte[] body = [];
        for (var i = 0; i < warmup + iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseContentRead);
            body = await response.Content.ReadAsByteArrayAsync();
            clock.Stop();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
            }
            if (i == 0)
            {
                first = clock.Elapsed.TotalMilliseconds;
            }
            if (i >= warmup)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        using var json = JsonDocument.Parse(body);
        var items = json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("items", out var list)
            ? list.GetArrayLength()
            : 1;
        return Measurement.From(times, items, body.Length, first);
    }

    // Times a query to its last row read.
    public static async Task<Measurement> SqlAsync(NpgsqlDataSource dataSource, string sql, object[] parameters, int iterations, int warmup = 1)
    {
        var times = new List<double>(iterations);
        var rows = 0;
        var first = 0.0;
        for (var i = 0; i < warmup + iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            await using var command = dataSource.CreateCommand(sql);
            foreach (var parameter in parameters)
            {
                command.Parameters.AddWithValue(parameter);
            }
            rows = 0;
            await using (var reader = await command.ExecuteReaderAsync())
            {
                var values = new object[reader.FieldCount];
                while (await reader.ReadAsync())
                {
                    reader.GetValues(values);
                    rows++;
                }
            }
            clock.Stop();
            if (i == 0)
            {
                first = clock.Elapsed.TotalMilliseconds;
            }
            if (i >= warmup)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        return Measurement.From(times, rows, 0, first);
    }
}
