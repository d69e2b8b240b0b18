using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors.Simulated;

/// <summary>A nested payload whose field types change: <c>order.total</c> turns from a number into a string, ids into strings.</summary>
public sealed class NestedTypesApiConnector : IConnector
{
    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken)
    {
        object payload = context.Random.NextDouble() < 0.7
            ? new { order = new { id = 1001, total = 99.5, lines = new[] { new { sku = "A-1", qty = 2 } } }, customer = new { id = 7, tier = "gold" } }
            : new { order = new { id = "1001", total = "99.50", lines = new[] { new { sku = "A-1", qty = "2" } } }, customer = new { id = "7", tier = "gold" } };
        return Task.FromResult(new ConnectorResult(JsonSerializer.SerializeToElement(payload), 200));
    }
}
