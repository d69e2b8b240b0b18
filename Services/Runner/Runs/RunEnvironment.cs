using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Payloads;

namespace ConnectorHealth.Runner.Runs;

/// <summary>What a run needs besides the connector: its seeded randomness and a way to wait.</summary>
public sealed record RunEnvironment(Random Random, Sleep Sleep, TimeProvider Time, PayloadLimits PayloadLimits);
