namespace ConnectorHealth.Metrics.Responses;

// A dataset's writes per UTC day (the day the writing run finished), newest first; days without writes are left out.
public sealed record DatasetDailyReport(string Key, DateOnly From, DateOnly To, IReadOnlyList<DatasetDay> Items);

// Runs that wrote the dataset that day; of them CountedRuns said how many rows, and Rows and the rows per run (min,
// mean, max; null when no run said) are theirs. Writers: the jobs (connectors) that wrote it that day.
public sealed record DatasetDay(
    DateOnly Day,
    int Runs,
    int CountedRuns,
    long Rows,
    long? MinRowsPerRun,
    double? MeanRowsPerRun,
    long? MaxRowsPerRun,
    long Bytes,
    IReadOnlyList<string> Writers);

// The rows a job (connector) wrote per UTC day over all its output datasets, newest first.
public sealed record JobRowsReport(string Connector, DateOnly From, DateOnly To, IReadOnlyList<JobRowsDay> Items);

public sealed record JobRowsDay(DateOnly Day, long Rows, long Bytes, int Datasets);
