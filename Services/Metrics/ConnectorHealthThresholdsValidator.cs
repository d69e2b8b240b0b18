using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Metrics;

// Checks the failing and stale thresholds the status board shares with Alerting; generated at compile time.
[OptionsValidator]
public sealed partial class ConnectorHealthThresholdsValidator : IValidateOptions<ConnectorHealthThresholds>;
