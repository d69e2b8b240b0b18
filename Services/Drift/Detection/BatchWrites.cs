using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.Detection;

/// <summary>What the batch will write (<see cref="HistoryWriter"/>), and what it decided along the way.</summary>
internal sealed class BatchWrites
{
    public List<RunRow> Runs { get; } = [];
    public List<ObservedRun> Quarantine { get; } = [];

    /// <summary>The batch's versioned dataset observations: each dataset's names and latest observation are kept.</summary>
    public List<ObservedRun> Datasets { get; } = [];
    public List<EventRow> Events { get; } = [];
    public List<NewVersion> NewVersions { get; } = [];

    /// <summary>The runs at which a version was first seen (their change is a new version, not a return).</summary>
    public HashSet<Guid> CreatedBy { get; } = [];
    public Dictionary<(string Connector, int Version), VersionRunCount> Counts { get; } = [];
    public List<ConnectorState> States { get; } = [];
    public HashSet<string> ContractsAlerted { get; } = new(StringComparer.Ordinal);
    public List<SchemaDriftDetected> LatePublished { get; } = [];
    public int LateRuns { get; set; }
    public IReadOnlyList<string> Violations { get; set; } = [];
    public int? ReleasedVersion { get; set; }

    public void Count(string connector, int version, DateTimeOffset finishedAt)
    {
        Counts[(connector, version)] = Counts.TryGetValue((connector, version), out var counted)
            ? new VersionRunCount(
                counted.Runs + 1,
                finishedAt < counted.First ? finishedAt : counted.First,
                finishedAt > counted.Last ? finishedAt : counted.Last)
            : new VersionRunCount(1, finishedAt, finishedAt);
    }
}

/// <summary>How many of the batch's runs carry a version, and the first and last of them by FinishedAt.</summary>
internal readonly record struct VersionRunCount(long Runs, DateTimeOffset First, DateTimeOffset Last);
