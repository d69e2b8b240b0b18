using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Connectors;

public sealed record ConnectorState(DateTimeOffset? LastRunAt, string? LastStatus, DateTimeOffset? NextRunAt);

/// <summary>The configured connectors and what the scheduler knows of each.</summary>
public sealed class ConnectorCatalog(IOptions<RunnerOptions> options)
{
    private readonly ConcurrentDictionary<string, ConnectorState> _states = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, ConnectorOptions> Connectors => options.Value.Connectors;

    public IConnector Create(string name) => Connectors[name].Kind switch
    {
        ConnectorKinds.GoodApi => new GoodApiConnector(),
        var kind => throw new InvalidOperationException($"Connector kind '{kind}' is not known."),
    };

    public ConnectorState StateOf(string name) => _states.GetValueOrDefault(name, new ConnectorState(null, null, null));

    public void Update(string name, Func<ConnectorState, ConnectorState> change) =>
        _states.AddOrUpdate(name, _ => change(new ConnectorState(null, null, null)), (_, state) => change(state));
}
