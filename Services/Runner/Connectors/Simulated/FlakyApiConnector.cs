using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors.Simulated;

/// <summary>Transient 5xx: each attempt fails with 503 with probability 0.3, and recovers on retry.</summary>
public sealed class FlakyApiConnector : IConnector
{
    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        context.Random.NextDouble() < 0.3
            ? throw new ConnectorException(ErrorTypes.Server, "503 Service Unavailable", retryable: true, httpStatus: 503)
            : Task.FromResult(new ConnectorResult(JsonSerializer.SerializeToElement(new { items = 3, attempt = context.Attempt }), 200));
}
