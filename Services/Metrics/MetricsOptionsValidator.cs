using Microsoft.Extensions.Options;

namespace ConnectorHealth.Metrics;

// Checks MetricsOptions (and its nested sections) at start-up; generated at compile time.
[OptionsValidator]
public sealed partial class MetricsOptionsValidator : IValidateOptions<MetricsOptions>;
