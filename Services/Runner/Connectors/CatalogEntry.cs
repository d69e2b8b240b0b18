namespace ConnectorHealth.Runner.Connectors;

/// <summary>
/// One connector of the catalog with its schedule, its seeded randomness and the lock that keeps its runs apart. A
/// changed definition makes a new entry that takes over the old one's lock and last run, so a run under way when the
/// definition changes still keeps the next one waiting.
/// </summary>
public sealed class CatalogEntry
{
    public CatalogEntry(StoredConnector stored, int seed, CatalogEntry? previous = null)
    {
        Name = stored.Name;
        Options = stored.Options;
        Origin = stored.Origin;
        Revision = stored.Revision;
        CreatedAt = stored.CreatedAt;
        UpdatedAt = stored.UpdatedAt;
        Problem = stored.Problem;
        Schedule = stored.Problem is null ? ConnectorSchedule.For(stored.Options) : ConnectorSchedule.Never;
        Random = new Random(seed);
        RunLock = previous?.RunLock ?? new SemaphoreSlim(1, 1);
        StartGate = previous?.StartGate ?? new Lock();
        LastRun = previous?.LastRun;
        RunningElsewhere = previous?.RunningElsewhere ?? false;
        if (previous is not null)
        {
            lock (StartGate)
            {
                UnderWay = previous.UnderWay;
            }
        }
    }

    public string Name { get; }
    public ConnectorOptions Options { get; }
    public ConnectorSchedule Schedule { get; }

    /// <summary>Where it is defined: <see cref="ConnectorOrigins"/>.</summary>
    public string Origin { get; }

    /// <summary>The stored revision this entry was made from.</summary>
    public long Revision { get; }

    public DateTimeOffset CreatedAt { get; }
    public DateTimeOffset UpdatedAt { get; }

    /// <summary>Why it cannot run, when it cannot; it is then not scheduled.</summary>
    public string? Problem { get; }

    /// <summary>Scheduled: enabled, and nothing keeps it from running.</summary>
    public bool Schedulable => Options.Enabled && Problem is null;

    /// <summary>Used by one run at a time (runs of a connector never overlap), so no locking of its own.</summary>
    public Random Random { get; }

    /// <summary>Held for the whole of a run on this replica: a connector never runs twice at once.</summary>
    public SemaphoreSlim RunLock { get; }

    /// <summary>A run of it is under way: here, or on another replica as the last catalog refresh saw.</summary>
    public bool IsRunning => RunningHere || RunningElsewhere;

    /// <summary>A run of it is under way on this replica.</summary>
    public bool RunningHere => RunLock.CurrentCount == 0;

    /// <summary>Another replica had a run of it under way at the last catalog refresh.</summary>
    public bool RunningElsewhere { get; set; }

    /// <summary>Makes taking <see cref="RunLock"/> and setting <see cref="UnderWay"/> one step for run-now.</summary>
    public Lock StartGate { get; }

    /// <summary>
    /// The id of the run under way (once known: a run-now learns it from the replicas' shared claim), set under
    /// <see cref="StartGate"/> by whoever holds <see cref="RunLock"/>: what a refused run-now points at.
    /// </summary>
    public Task<Guid?>? UnderWay { get; set; }

    public LastRun? LastRun { get; set; }

    public DateTimeOffset? NextRunAt { get; set; }
}
