namespace ConnectorHealth.Dashboard;

public sealed record RunSummary(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double LatencyMs,
    int Attempts,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string? TraceId);

public sealed record RunPage(IReadOnlyList<RunSummary> Items, string? Cursor);

/// <summary>Typed client for the REST API behind the gateway.</summary>
public sealed class GatewayClient(HttpClient http)
{
    public async Task<RunPage> GetRunsAsync(int limit, string? cursor, CancellationToken cancellationToken)
    {
        var url = $"/api/runs?limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
        return await http.GetFromJsonAsync<RunPage>(url, cancellationToken)
            ?? throw new InvalidOperationException("The gateway returned an empty run page.");
    }
}
