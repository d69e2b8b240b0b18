using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Metrics.Stores;

// Filters of the run list; times are a half-open range [From, To) on the start time.
public sealed record RunQuery(
    string? Connector = null,
    string? Status = null,
    string? Source = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    int Limit = 50,
    PageCursor? After = null,
    string? Owner = null,
    string? Tag = null);
