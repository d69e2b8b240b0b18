using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors.Simulated;

/// <summary>
/// The first version's <c>schema_changer</c>: v1 or v2 of the payload, 50/50. The payloads are written as the first
/// version's JSON was (<c>42.0</c> stays a decimal number, which a serializer would shorten to <c>42</c>).
/// </summary>
public sealed class SchemaChangerConnector : IConnector
{
    private static readonly JsonElement V1 = JsonDocument.Parse(/*lang=json*/ """{"user_id": 123, "value": 42, "version": 1}""").RootElement;
    private static readonly JsonElement V2 = JsonDocument.Parse(/*lang=json*/ """{"user_id": 123, "amount": 42.0, "currency": "EUR", "version": 2}""").RootElement;

    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new ConnectorResult(context.Random.NextDouble() < 0.5 ? V1 : V2, 200));
}
