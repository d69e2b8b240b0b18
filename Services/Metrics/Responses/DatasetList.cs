namespace ConnectorHealth.Metrics.Responses;

// A page of the datasets runs wrote, by key; Cursor asks for the next page (null on the last). Today is the UTC day the
// rows of today and yesterday are counted on (a run's rows count on the UTC day it finished).
public sealed record DatasetList(DateOnly Today, IReadOnlyList<DatasetLine> Items, string? Cursor);

// A dataset with its latest write (by when the run finished): the run, its writer job (a connector) and the rows and
// bytes it said it wrote (null when it did not say), and the rows written today and yesterday by all runs.
public sealed record DatasetLine(
    string Key,
    string Namespace,
    string Name,
    Guid LastRunId,
    DateTimeOffset LastRunFinishedAt,
    string LastWriter,
    long? LastRunRows,
    long? LastRunBytes,
    long RowsToday,
    long RowsYesterday);
