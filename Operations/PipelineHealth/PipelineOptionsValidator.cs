using Microsoft.Extensions.Options;

namespace ConnectorHealth.Operations.PipelineHealth;

public sealed class PipelineOptionsValidator : IValidateOptions<PipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineOptions options) =>
        PipelineOptions.Validate(options) is { } failure ? ValidateOptionsResult.Fail(failure) : ValidateOptionsResult.Success;
}
