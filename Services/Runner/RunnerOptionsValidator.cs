using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner;

/// <summary>Checks <see cref="RunnerOptions"/>' own limits and its nested sections at start-up; generated at compile time.</summary>
[OptionsValidator]
public sealed partial class RunnerOptionsValidator : IValidateOptions<RunnerOptions>
{
}
