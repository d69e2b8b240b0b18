using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors.Simulated;

/// <summary>
/// The first version's <c>rate_limited_api</c>: each attempt is answered 429 with probability 0.5. With its catalog
/// retry policy (3 attempts, a fixed 200 ms wait) a run succeeds with probability 0.875 and needs 1.75 attempts on average.
/// </summary>
public sealed class RateLimitedApiConnector : IConnector
{
    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        context.Random.NextDouble() < 0.5
            ? throw new ConnectorException(ErrorTypes.RateLimit, "429 Too Many Requests", retryable: true, httpStatus: 429)
            : Task.FromResult(new ConnectorResult(JsonSerializer.SerializeToElement(new { ok = true, attempt = context.Attempt }), 200));
}
