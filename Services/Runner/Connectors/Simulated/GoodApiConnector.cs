using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors.Simulated;

/// <summary>The first version's <c>good_api</c>: always succeeds with the same payload.</summary>
public sealed class GoodApiConnector : IConnector
{
    private static readonly JsonElement Payload = JsonSerializer.SerializeToElement(new { user_id = 123, value = 42, version = 1 });

    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new ConnectorResult(Payload, 200));
}
