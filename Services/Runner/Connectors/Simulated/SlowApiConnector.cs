using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors.Simulated;

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
