using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>
/// The rules for each connector of the catalog (<see cref="ConnectorRules"/>, the same the connectors API applies), each
/// problem named by its configuration path.
/// </summary>
internal sealed class ConnectorCatalogValidator : IValidateOptions<RunnerOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnerOptions options)
    {
        var failures = options.Connectors
            .SelectMany(c => ConnectorRules.Problems(c.Key, c.Value)
                .Select(p => $"{RunnerOptions.Section}:Connectors:{c.Key}:{p.Message}"))
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
