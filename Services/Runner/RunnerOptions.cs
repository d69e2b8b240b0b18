using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner;

public sealed class RunnerOptions
{
    public const string Section = "Runner";

    /// <summary>The connector catalog, keyed by connector name.</summary>
    public Dictionary<string, ConnectorOptions> Connectors { get; set; } = [];
}

public sealed class ConnectorOptions
{
    /// <summary>Which implementation runs it, e.g. <c>good_api</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>Time between the end of one scheduled run and the start of the next.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled { get; set; } = true;
}

internal sealed class RunnerOptionsValidator : IValidateOptions<RunnerOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnerOptions options)
    {
        var failures = new List<string>();
        foreach (var (connector, settings) in options.Connectors)
        {
            if (!Connectors.ConnectorKinds.IsKnown(settings.Kind))
            {
                failures.Add($"Runner:Connectors:{connector}:Kind '{settings.Kind}' is not a known kind ({string.Join(", ", Connectors.ConnectorKinds.All)}).");
            }
            if (settings.Interval <= TimeSpan.Zero)
            {
                failures.Add($"Runner:Connectors:{connector}:Interval must be positive (was {settings.Interval}).");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
