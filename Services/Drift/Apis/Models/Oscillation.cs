namespace ConnectorHealth.Drift.Apis.Models;

/// <summary>A flip-flop between known versions: one ongoing condition rather than an event per run.</summary>
public sealed record Oscillation(bool Ongoing, IReadOnlyList<int> Between, int Flips, DateTimeOffset Since, DateTimeOffset LastFlipAt);
