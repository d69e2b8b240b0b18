using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>Sleeps for the given time. Time is a boundary: tests pass one that moves a fake clock instead.</summary>
public delegate Task Sleep(TimeSpan delay, CancellationToken cancellationToken);

/// <summary>What an attempt may use: its number, the connector's seeded randomness, and the (fakeable) clock.</summary>
public sealed record ConnectorContext(int Attempt, Random Random, Sleep Sleep, TimeProvider Time);

/// <summary>What one successful attempt fetched.</summary>
public sealed record ConnectorResult(JsonElement Payload, int? HttpStatus = null);

/// <summary>One attempt of a connector.</summary>
public interface IConnector
{
    Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken);
}
