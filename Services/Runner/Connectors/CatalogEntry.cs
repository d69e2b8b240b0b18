namespace ConnectorHealth.Runner.Connectors;

/// <summary>One configured connector with its schedule, its seeded randomness and the lock that keeps its runs apart.</summary>
public sealed class CatalogEntry(string name, ConnectorOptions options, int seed)
{
    public string Name { get; } = name;
    public ConnectorOptions Options { get; } = options;
    public ConnectorSchedule Schedule { get; } = ConnectorSchedule.For(options);

    /// <summary>Used by one run at a time (runs of a connector never overlap), so no locking of its own.</summary>
    public Random Random { get; } = new(seed);

    /// <summary>Held for the whole of a run: a connector never runs twice at once.</summary>
    public SemaphoreSlim RunLock { get; } = new(1, 1);

    public bool IsRunning => RunLock.CurrentCount == 0;

    /// <summary>Makes taking <see cref="RunLock"/> and setting <see cref="UnderWay"/> one step for run-now.</summary>
    public Lock StartGate { get; } = new();

    /// <summary>
    /// The id of the run under way (once known: a run-now learns it from the replicas' shared claim), set under
    /// <see cref="StartGate"/> by whoever holds <see cref="RunLock"/>: what a refused run-now points at.
    /// </summary>
    public Task<Guid?>? UnderWay { get; set; }

    public LastRun? LastRun { get; set; }

    public DateTimeOffset? NextRunAt { get; set; }
}
