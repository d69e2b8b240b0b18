namespace ConnectorHealth.Contracts;

/// <summary>
/// How schema changes are judged for a connector, with Confluent Schema Registry's meanings. A payload field that is
/// always present is required; one seen null or absent in some records is optional.
/// </summary>
public enum CompatibilityMode
{
    /// <summary>The new schema can read data written with the previous one (consumers upgrade first): removing fields
    /// and adding optional ones are safe; adding a required field, narrowing or making a field required break.</summary>
    Backward,

    /// <summary>The previous schema can read data written with the new one (producers change first): adding fields and
    /// removing optional ones are safe; removing a required field, widening or making a field nullable break.</summary>
    Forward,

    /// <summary>Both backward and forward.</summary>
    Full,

    /// <summary>Nothing is breaking; changes are still recorded.</summary>
    None,
}

public enum SchemaChangeKind
{
    FieldAdded,
    FieldRemoved,

    /// <summary>Every value the field held before still fits (integer → number, or a type joined by another).</summary>
    TypeWidened,

    /// <summary>The field now holds a subset of what it held (number → integer).</summary>
    TypeNarrowed,

    /// <summary>An incompatible type change (string → object, number → string).</summary>
    TypeChanged,
    BecameNullable,
    StoppedBeingNullable,

    /// <summary>Absent from some records where it was always present.</summary>
    BecameOptional,

    /// <summary>Present in every record where it was sometimes absent.</summary>
    BecameRequired,

    /// <summary>A removed and an added field of the same type at the same level: one change, marked as a guess.</summary>
    Renamed,
}

/// <summary>What a drift event records about the run that caused it.</summary>
public enum DriftKind
{
    /// <summary>The run's schema was never seen before for this connector.</summary>
    NewVersion,

    /// <summary>The run's schema is a version seen before ("reverted to v1").</summary>
    Reverted,

    /// <summary>The run's payload broke the connector's contract (its schema may be known).</summary>
    ContractViolation,
}

public enum DriftAction
{
    /// <summary>Recorded and passed on for alerting.</summary>
    Alerted,

    /// <summary>Held in quarantine under the connector's contract; not a schema version until replayed.</summary>
    Quarantined,
}

/// <summary>One difference between two schema versions, at a JSON path.</summary>
public sealed record SchemaChange(
    string Path,
    SchemaChangeKind Kind,
    string? Before,
    string? After,
    bool Breaking,
    string? PreviousPath = null,
    bool Guess = false);

/// <summary>
/// A connector's payload schema changed (or broke its contract) at a run. Published once per drift event; an ongoing
/// oscillation between known versions is published when it starts, not at every flip.
/// </summary>
public sealed record SchemaDriftDetected
{
    public required long EventId { get; init; }
    public required string Connector { get; init; }
    public required Guid RunId { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public int? FromVersion { get; init; }

    /// <summary>The run's schema version; null when the payload was quarantined.</summary>
    public int? ToVersion { get; init; }
    public required DriftKind Kind { get; init; }

    /// <summary>This change is part of a flip-flop between known versions.</summary>
    public bool Oscillating { get; init; }
    public IReadOnlyList<SchemaChange> Changes { get; init; } = [];
    public required CompatibilityMode Compatibility { get; init; }

    /// <summary>The verdict: at least one change breaks under <see cref="Compatibility"/>, or the contract was broken.</summary>
    public required bool Breaking { get; init; }
    public required DriftAction Action { get; init; }
    public IReadOnlyList<string> ContractViolations { get; init; } = [];
    public required DateTimeOffset DetectedAt { get; init; }

    /// <summary>
    /// The dataset whose schema drifted, when it is an OpenLineage dataset's schema (its schema facet) rather than the
    /// connector's payload; <see cref="Connector"/> is then the job whose run showed it. Left out of the JSON when null.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public DriftDataset? Dataset { get; init; }
}

/// <summary>An OpenLineage dataset by its key (<see cref="LineageNames.Dataset"/>) and the namespace and name its producer sent.</summary>
public sealed record DriftDataset(string Key, string Namespace, string Name);
