using ConnectorHealth.Runner.Connectors;

namespace ConnectorHealth.Runner.Apis;

public sealed record RetryView(int MaxAttempts, TimeSpan InitialDelay, double Multiplier, TimeSpan MaxDelay, bool Jitter);

public sealed record ConnectorView(
    string Name, string Kind, bool Enabled, string Schedule, TimeSpan ExpectedInterval, TimeSpan Timeout, RetryView Retry,
    bool Running, LastRun? LastRun, DateTimeOffset? NextRunAt);
