using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ConnectorHealth.Dashboard.Apis;

/// <summary>One event of <c>GET /api/alerts/stream</c>: its type and its data (the alert event as JSON; empty for a heartbeat).</summary>
public sealed record AlertStreamEvent(string Type, string Data)
{
    /// <summary>Whether the alert list may have changed: an alert was raised, updated or resolved, or events were lost.</summary>
    public bool ChangesAlerts => Type is "raised" or "updated" or "resolved" or "reconnect";

    /// <summary>Whether the alert list of <paramref name="connector"/> (null: of every connector) may have changed.</summary>
    public bool ChangesAlertsOf(string? connector) => ChangesAlerts && (connector is null || Type == "reconnect" || ConnectorIs(connector));

    private bool ConnectorIs(string connector)
    {
        try
        {
            using var alert = JsonDocument.Parse(Data);
            return alert.RootElement.TryGetProperty("connector", out var named) && named.ValueKind == JsonValueKind.String
                && named.ValueEquals(connector);
        }
        catch (JsonException)
        {
            return true; // unreadable: read the list again rather than miss a change
        }
    }
}

/// <summary>
/// The alert stream through the gateway (server-sent events). Read by hand: the generated clients read whole JSON
/// answers, and this is one response that lasts as long as the page. Its HttpClient has no timeout and no retries;
/// <see cref="AlertChangeWatcher"/> reconnects.
/// </summary>
public sealed class AlertStreamClient(HttpClient http)
{
    public const string Path = "/api/alerts/stream";

    /// <summary>The stream's events as they arrive, until it ends; a refusal or a broken connection throws.</summary>
    public async IAsyncEnumerable<AlertStreamEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(header => header.Key, header => header.Value);
            throw new ApiException($"{Path} was refused", (int)response.StatusCode,
                await response.Content.ReadAsStringAsync(cancellationToken), headers, null);
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            yield return new AlertStreamEvent(item.EventType, item.Data);
        }
    }
}
