using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors.Simulated;

/// <summary>A field that turns null: <c>email</c> is a string most of the time, null one run in four.</summary>
public sealed class NullingFieldApiConnector : IConnector
{
    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new ConnectorResult(JsonSerializer.SerializeToElement(new
        {
            user_id = 123,
            email = context.Random.NextDouble() < 0.25 ? null : "user@example.com",
            score = 0.87,
        }), 200));
}
