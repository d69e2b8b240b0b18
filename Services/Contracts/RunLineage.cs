using System.Text.Json.Serialization;

namespace ConnectorHealth.Contracts;

/// <summary>
/// What an OpenLineage producer (Airflow, dbt, Spark, Flink, …) said of a run, merged from the run's events: the job it
/// ran as, its parent run, and the datasets it read and wrote with what their facets said. The run's connector is the
/// job's name under the one naming rule (<see cref="LineageNames.Connector"/>); the original namespace and name stay here.
/// </summary>
public sealed record RunLineage
{
    /// <summary>The job's namespace as the producer sent it (<c>job.namespace</c>).</summary>
    public required string JobNamespace { get; init; }

    /// <summary>The job's name as the producer sent it (<c>job.name</c>).</summary>
    public required string JobName { get; init; }

    /// <summary>The producer of the newest event merged (<c>producer</c>, a URI naming the integration and its version).</summary>
    public required string Producer { get; init; }

    /// <summary>The type of the newest event merged: <c>start</c>, <c>running</c>, <c>complete</c>, <c>fail</c>, <c>abort</c>, <c>other</c>.</summary>
    public required LineageEventType LastEventType { get; init; }

    /// <summary>How many distinct events of the run were merged into this.</summary>
    public int Events { get; init; }

    /// <summary>The <c>jobType</c> facet's <c>processingType</c>: <c>batch</c> or <c>streaming</c>; null when not sent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ProcessingType { get; init; }

    /// <summary>The <c>jobType</c> facet's <c>integration</c> (<c>AIRFLOW</c>, <c>DBT</c>, <c>SPARK</c>, <c>FLINK</c>, …).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Integration { get; init; }

    /// <summary>The <c>jobType</c> facet's <c>jobType</c> (<c>TASK</c>, <c>DAG</c>, <c>MODEL</c>, <c>QUERY</c>, <c>JOB</c>, …).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JobType { get; init; }

    /// <summary>The run this one ran inside (the <c>parent</c> run facet): a dbt model's invocation, an Airflow task's DAG run.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LineageParent? Parent { get; init; }

    /// <summary>The <c>nominalTime</c> facet: when the run was meant to start (and end), for lateness and freshness.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? NominalStartTime { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? NominalEndTime { get; init; }

    public IReadOnlyList<LineageDataset> Inputs { get; init; } = [];

    public IReadOnlyList<LineageDataset> Outputs { get; init; } = [];
}

/// <summary>An OpenLineage event type, spelt as every API spells enums (snake_case: <c>complete</c>).</summary>
public enum LineageEventType
{
    Start,
    Running,
    Complete,
    Abort,
    Fail,
    Other,
}

/// <summary>A run's parent run: its id, and its job as the producer named it and as a connector.</summary>
public sealed record LineageParent(Guid RunId, string JobNamespace, string JobName, string Connector);

/// <summary>
/// A dataset a run read or wrote, with what its facets said in this run. <see cref="Key"/> names it in every API
/// (<see cref="LineageNames.Dataset"/>); <see cref="Namespace"/> and <see cref="Name"/> are as the producer sent them.
/// </summary>
public sealed record LineageDataset
{
    public required string Key { get; init; }

    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>
    /// The <c>schema</c> facet's fields. Null when the run sent no schema facet (the dataset's schema stays as it was);
    /// an empty list when it sent one with no fields (the schema is cleared).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DatasetField>? Schema { get; init; }

    /// <summary>Rows written (outputs: <c>outputStatistics.rowCount</c>) or read (inputs: <c>dataQualityMetrics.rowCount</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? RowCount { get; init; }

    /// <summary>Bytes written or read (<c>outputStatistics.size</c>, <c>dataQualityMetrics.bytes</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Bytes { get; init; }

    /// <summary>The <c>dataQualityAssertions</c> facet's assertions, each with whether it held.</summary>
    public IReadOnlyList<QualityAssertion> Assertions { get; init; } = [];
}

/// <summary>A field of a dataset's schema facet: its name, the producer's type string, and nested fields for structs.</summary>
public sealed record DatasetField(
    string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DatasetField>? Fields = null);

/// <summary>One data-quality assertion of a dataset in a run (<c>dataQualityAssertions</c>): which, on what column, held or not.</summary>
public sealed record QualityAssertion(
    string Assertion,
    bool Success,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Column = null);
