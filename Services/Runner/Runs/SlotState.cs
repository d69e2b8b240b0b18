namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// A connector's place in its schedule, shared by the replicas: the next slot not yet taken, and the slot under way
/// (its due time and the run id it was taken with) until its run is stored.
/// </summary>
public sealed record SlotState(DateTimeOffset NextSlot, DateTimeOffset? RunningDue, Guid? RunningId);
