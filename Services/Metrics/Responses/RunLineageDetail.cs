namespace ConnectorHealth.Metrics.Responses;

// What an OpenLineage producer said of a run, as stored with it: the job, the integration, the parent run, the nominal
// times and the datasets read and written with their volumes (their schemas are Drift's).
public sealed record RunLineageDetail(
    string JobNamespace,
    string JobName,
    string Producer,
    string LastEventType,
    int Events,
    string? ProcessingType,
    string? Integration,
    string? JobType,
    ParentRunDetail? Parent,
    DateTimeOffset? NominalStartTime,
    DateTimeOffset? NominalEndTime,
    IReadOnlyList<DatasetVolume> Inputs,
    IReadOnlyList<DatasetVolume> Outputs);

// The run a run ran inside, and its job as the producer named it and as a connector.
public sealed record ParentRunDetail(Guid RunId, string JobNamespace, string JobName, string Connector);

// A dataset a run read or wrote: its key (every API's name for it), as the producer named it, and the rows and bytes
// the run said it read or wrote (null when not said).
public sealed record DatasetVolume(string Key, string Namespace, string Name, long? RowCount, long? Bytes);
