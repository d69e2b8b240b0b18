using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting.Routes;

/// <summary>The routing tree of the current settings, compiled once per change of them.</summary>
public sealed class RouteTrees(IOptionsMonitor<AlertingOptions> options)
{
    private (AlertingOptions Options, RouteTree Tree)? _compiled;

    public RouteTree Current
    {
        get
        {
            var settings = options.CurrentValue;
            if (_compiled is { } compiled && ReferenceEquals(compiled.Options, settings))
            {
                return compiled.Tree;
            }
            var tree = RouteTree.For(settings);
            _compiled = (settings, tree);
            return tree;
        }
    }
}
