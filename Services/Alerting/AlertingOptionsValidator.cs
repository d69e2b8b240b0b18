using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting;

/// <summary>The data-annotation checks of <see cref="AlertingOptions"/>, generated at build time.</summary>
[OptionsValidator]
public sealed partial class AlertingOptionsValidator : IValidateOptions<AlertingOptions>;
