using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>The first version's <c>good_api</c>: always succeeds with the same payload.</summary>
public sealed class GoodApiConnector : IConnector
{
    private static readonly JsonElement Payload = JsonSerializer.SerializeToElement(new { user_id = 123, value = 42, version = 1 });

    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new ConnectorResult(Payload, 200));
}

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

/// <summary>Transient 5xx: each attempt fails with 503 with probability 0.3, and recovers on retry.</summary>
public sealed class FlakyApiConnector : IConnector
{
    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        context.Random.NextDouble() < 0.3
            ? throw new ConnectorException(ErrorTypes.Server, "503 Service Unavailable", retryable: true, httpStatus: 503)
            : Task.FromResult(new ConnectorResult(JsonSerializer.SerializeToElement(new { items = 3, attempt = context.Attempt }), 200));
}

/// <summary>Latency spikes: usually 20–80 ms, but one attempt in ten takes 2–6 s (past a short timeout).</summary>
public sealed class SlowApiConnector : IConnector
{
    public async Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken)
    {
        var spike = context.Random.NextDouble() < 0.1;
        var latency = spike
            ? TimeSpan.FromMilliseconds(2_000 + context.Random.Next(4_000))
            : TimeSpan.FromMilliseconds(20 + context.Random.Next(60));
        await context.Sleep(latency, cancellationToken);
        return new ConnectorResult(JsonSerializer.SerializeToElement(new { latency_ms = latency.TotalMilliseconds, spike }), 200);
    }
}

/// <summary>A revoked credential: every attempt is answered 401, which no retry can fix.</summary>
public sealed class AuthFailingApiConnector : IConnector
{
    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        throw new ConnectorException(ErrorTypes.Auth, "401 Unauthorized: the API key was revoked", retryable: false, httpStatus: 401);
}

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
