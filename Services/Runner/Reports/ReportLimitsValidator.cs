using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Reports;

[OptionsValidator]
public sealed partial class ReportLimitsValidator : IValidateOptions<ReportLimits>;
