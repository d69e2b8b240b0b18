using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Payloads;

[OptionsValidator]
public sealed partial class PayloadLimitsValidator : IValidateOptions<PayloadLimits>;
