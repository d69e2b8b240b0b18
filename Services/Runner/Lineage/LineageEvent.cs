using ConnectorHealth.Contracts;

namespace ConnectorHealth.Runner.Lineage;

/// <summary>
/// One OpenLineage run event as the door read it: the fields and facets this system judges health by, with the event's
/// compact JSON (kept whole, unknown facets included) and its hash, which identifies the event for idempotency.
/// </summary>
public sealed record LineageEvent
{
    /// <summary>
    /// A <c>RunEvent</c>, or the spec's static metadata events (<c>DatasetEvent</c>, <c>JobEvent</c>: no run), which are
    /// kept as received but make no run. For those, <see cref="RunId"/> is empty and the job fields name the dataset or job.
    /// </summary>
    public LineageEventKind Kind { get; init; } = LineageEventKind.Run;

    public required Guid RunId { get; init; }
    public required LineageEventType Type { get; init; }

    /// <summary>The event's time in UTC to the microsecond (the stores' precision).</summary>
    public required DateTimeOffset EventTime { get; init; }

    public required string Producer { get; init; }
    public required string JobNamespace { get; init; }
    public required string JobName { get; init; }

    /// <summary>The job's connector name (<see cref="LineageNames.Connector"/>).</summary>
    public required string Connector { get; init; }

    /// <summary>The event as compact UTF-8 JSON.</summary>
    public required byte[] Json { get; init; }

    /// <summary>SHA-256 of <see cref="Json"/>: the same event sent again has the same hash.</summary>
    public required byte[] Hash { get; init; }

    /// <summary>The <c>errorMessage</c> run facet's message.</summary>
    public string? ErrorMessage { get; init; }

    public LineageParent? Parent { get; init; }

    /// <summary>The <c>nominalTime</c> run facet, when sent.</summary>
    public NominalTimes? Nominal { get; init; }

    /// <summary>The <c>jobType</c> job facet, when sent.</summary>
    public JobTypeFacts? JobType { get; init; }

    /// <summary>The first owner of the <c>ownership</c> job facet.</summary>
    public string? Owner { get; init; }

    /// <summary>Which try of its task this run is (Airflow's <c>try_number</c>), when the producer says.</summary>
    public int? TryNumber { get; init; }

    public IReadOnlyList<DatasetFacts> Inputs { get; init; } = [];
    public IReadOnlyList<DatasetFacts> Outputs { get; init; } = [];
}

public enum LineageEventKind
{
    Run,
    Dataset,
    Job,
}

public sealed record NominalTimes(DateTimeOffset Start, DateTimeOffset? End);

public sealed record JobTypeFacts(string? ProcessingType, string? Integration, string? JobType);

/// <summary>A dataset of an event, with what its facets said (null: the facet was not sent).</summary>
public sealed record DatasetFacts(
    string Namespace,
    string Name,
    string Key,
    IReadOnlyList<DatasetField>? Schema,
    long? RowCount,
    long? Bytes,
    IReadOnlyList<QualityAssertion>? Assertions);
