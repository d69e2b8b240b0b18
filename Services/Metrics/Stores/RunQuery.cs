using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Metrics.Stores;

// Filters of the run list; times are a half-open range [From, To) on the start time. Status running lists the runs in
// progress, any other status the finished runs, none both. Parent: the runs that ran inside that run; OpenLineageOnly:
// the runs that came from OpenLineage events.
public sealed record RunQuery(
    string? Connector = null,
    string? Status = null,
    string? Source = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Limit = 50,
    PageCursor? After = null,
    string? Owner = null,
    string? Tag = null,
    Guid? Parent = null,
    bool OpenLineageOnly = false);
