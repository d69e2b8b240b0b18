using Microsoft.Extensions.Options;

namespace ConnectorHealth.Drift;

// Checks the DataAnnotations on DriftOptions at start-up (source-generated, no reflection).
[OptionsValidator]
public sealed partial class DriftOptionsValidator : IValidateOptions<DriftOptions>;
