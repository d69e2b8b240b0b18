using System.IO.Enumeration;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;

namespace ConnectorHealth.Alerting.Routes;

/// <summary>
/// The routing tree an alert goes down (<see cref="AlertRoute"/>). Without a configured route every enabled channel
/// gets every alert its own filters let through, each alert alone and at once — as before routes existed.
/// </summary>
public sealed class RouteTree
{
    /// <summary>Deeper than this, a tree is refused: it is evaluated for every alert.</summary>
    public const int MaxDepth = 10;

    /// <summary>More routes than this, a tree is refused.</summary>
    public const int MaxRoutes = 1000;

    public static readonly IReadOnlyList<string> DefaultGroupBy = [AlertLabels.ConnectorLabel];
    public static readonly TimeSpan DefaultGroupWait = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultGroupInterval = TimeSpan.FromMinutes(5);

    private readonly Node _root;
    private readonly IReadOnlyDictionary<string, ChannelOptions> _channels;

    private RouteTree(Node root, IReadOnlyDictionary<string, ChannelOptions> channels)
    {
        _root = root;
        _channels = channels;
    }

    /// <summary>Whether the tree is the one made from the channels alone (no "Alerting:Route").</summary>
    public bool FromChannels { get; private init; }

    public static RouteTree For(AlertingOptions options)
    {
        if (options.Route is { } configured)
        {
            var root = Compile(configured, "0", Inherited.Root(options.RepeatInterval));
            return new RouteTree(root, options.Channels) { Escalates = root.Any(node => node.Settings.EscalateAfter is not null) };
        }
        // One child per channel, each alert alone and at once, the channel's own filters deciding.
        var perChannel = new AlertRoute
        {
            GroupBy = [AlertLabels.EveryLabel],
            GroupWait = TimeSpan.Zero,
            GroupInterval = TimeSpan.Zero,
            Routes = [.. options.Channels.Keys.Order(StringComparer.Ordinal).Select(name => new AlertRoute { Receiver = name, Continue = true })],
        };
        return new RouteTree(Compile(perChannel, "0", Inherited.Root(options.RepeatInterval)), options.Channels) { FromChannels = true };
    }

    /// <summary>
    /// The routes the alert reaches whose receiver is an enabled channel that takes its rule and severity, in tree
    /// order, one per receiver and group.
    /// </summary>
    public IReadOnlyList<RouteMatch> Match(AlertLabels labels)
    {
        var matches = new List<RouteMatch>();
        Walk(_root, labels, [], matches);
        return matches
            .Where(match => _channels.TryGetValue(match.Receiver, out var channel) && channel.Enabled
                && (channel.Severities is null || channel.Severities.Contains(labels.Severity))
                && (channel.Rules is null || channel.Rules.Contains(labels.Rule, StringComparer.Ordinal)))
            .DistinctBy(match => match.GroupKey(labels), StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The maintenance windows of the route at <paramref name="path"/>; none when the route is no longer configured.</summary>
    public (IReadOnlyList<string> Mute, IReadOnlyList<string> Active) WindowsOf(string path)
    {
        var node = _root;
        foreach (var step in path.Split('.').Skip(1))
        {
            if (!int.TryParse(step, System.Globalization.CultureInfo.InvariantCulture, out var index) || index < 0 || index >= node.Children.Length)
            {
                return ([], []);
            }
            node = node.Children[index];
        }
        return path.StartsWith("0", StringComparison.Ordinal) ? (node.Settings.Mute, node.Settings.Active) : ([], []);
    }

    /// <summary>Whether any route escalates.</summary>
    public bool Escalates { get; private init; }

    /// <summary>The routes as configured, with what each inherits filled in, for the API.</summary>
    public IReadOnlyList<RouteView> Describe()
    {
        var views = new List<RouteView>();
        void Add(Node node, int depth)
        {
            views.Add(new RouteView(node.Path, depth, node.Settings.Receiver, node.Matchers, node.Options.Continue, node.Settings.GroupBy,
                node.Settings.GroupWait, node.Settings.GroupInterval, node.Settings.RepeatInterval, node.Settings.Mute, node.Settings.Active,
                node.Settings.EscalateAfter, node.Settings.EscalateTo));
            foreach (var child in node.Children)
            {
                Add(child, depth + 1);
            }
        }
        Add(_root, 0);
        return views;
    }

    /// <summary>What is wrong with a configured tree: unknown channels, windows or labels, a tree too deep or too large.</summary>
    public static IEnumerable<string> Problems(AlertRoute root, IReadOnlyDictionary<string, ChannelOptions> channels, ICollection<string> windows)
    {
        var count = 0;
        var problems = new List<string>();
        void Check(AlertRoute route, string path, int depth, bool hasReceiver)
        {
            count++;
            if (depth > MaxDepth)
            {
                problems.Add($"{path}: routes nest at most {MaxDepth} deep.");
                return;
            }
            hasReceiver |= route.Receiver is not null;
            if (route.Receiver is { } receiver && !channels.ContainsKey(receiver))
            {
                problems.Add($"{path}:Receiver: '{receiver}' is not a channel (Alerting:Channels).");
            }
            if (!hasReceiver && route.Routes.Count == 0)
            {
                problems.Add($"{path}: the route has no receiver, nor does any route above it.");
            }
            if (route.EscalateTo is { } escalateTo && !channels.ContainsKey(escalateTo))
            {
                problems.Add($"{path}:EscalateTo: '{escalateTo}' is not a channel (Alerting:Channels).");
            }
            if (route.EscalateAfter is not null && route.EscalateTo is null)
            {
                problems.Add($"{path}:EscalateAfter: set EscalateTo as well (the channel the alert escalates to).");
            }
            foreach (var label in route.GroupBy ?? [])
            {
                if (!AlertLabels.GroupableLabels.Contains(label, StringComparer.Ordinal))
                {
                    problems.Add($"{path}:GroupBy: '{label}' is not a label; use {string.Join(", ", AlertLabels.GroupableLabels)}.");
                }
            }
            if (route.GroupBy is { Count: > 1 } groupBy && groupBy.Contains(AlertLabels.EveryLabel, StringComparer.Ordinal))
            {
                problems.Add($"{path}:GroupBy: '{AlertLabels.EveryLabel}' stands alone.");
            }
            foreach (var window in (route.MuteTimeIntervals ?? []).Concat(route.ActiveTimeIntervals ?? []))
            {
                if (!windows.Contains(window))
                {
                    problems.Add($"{path}: '{window}' is not a time interval (Alerting:TimeIntervals).");
                }
            }
            foreach (var (name, patterns) in new[] { ("Connectors", route.Connectors), ("Owners", route.Owners), ("Tags", route.Tags), ("Rules", route.Rules) })
            {
                if (patterns is not null && (patterns.Count == 0 || patterns.Any(string.IsNullOrWhiteSpace)))
                {
                    problems.Add($"{path}:{name}: leave it out to match everything; an empty list or value matches nothing.");
                }
            }
            foreach (var rule in route.Rules ?? [])
            {
                if (!string.IsNullOrWhiteSpace(rule) && !Rules.RuleNames.IsKnown(rule))
                {
                    problems.Add($"{path}:Rules: '{rule}' is not a rule; use one of {string.Join(", ", Rules.RuleNames.All)}.");
                }
            }
            for (var i = 0; i < route.Routes.Count && count <= MaxRoutes; i++)
            {
                Check(route.Routes[i], $"{path}:Routes:{i}", depth + 1, hasReceiver);
            }
        }
        Check(root, "Alerting:Route", 0, false);
        if (count > MaxRoutes)
        {
            problems.Add($"Alerting:Route: at most {MaxRoutes} routes.");
        }
        return problems;
    }

    private static bool Walk(Node node, AlertLabels labels, List<string> why, List<RouteMatch> matches)
    {
        if (!node.Matches(labels, out var because))
        {
            return false;
        }
        why.AddRange(because);
        var matchedChild = false;
        foreach (var child in node.Children)
        {
            if (Walk(child, labels, why, matches))
            {
                matchedChild = true;
                if (!child.Options.Continue)
                {
                    break;
                }
            }
        }
        if (!matchedChild && node.Settings.Receiver is { } receiver)
        {
            var s = node.Settings;
            matches.Add(new RouteMatch(node.Path, receiver, s.GroupBy, s.GroupWait, s.GroupInterval, s.RepeatInterval, s.Mute, s.Active,
                s.EscalateAfter, s.EscalateTo, [.. why, $"route {node.Path} sends to {receiver}"]));
        }
        why.RemoveRange(why.Count - because.Count, because.Count);
        return true;
    }

    private static Node Compile(AlertRoute options, string path, Inherited parent)
    {
        var settings = new Inherited(
            options.Receiver ?? parent.Receiver,
            options.GroupBy is { Count: > 0 } groupBy ? groupBy : parent.GroupBy,
            options.GroupWait ?? parent.GroupWait,
            options.GroupInterval ?? parent.GroupInterval,
            options.RepeatInterval ?? parent.RepeatInterval,
            options.MuteTimeIntervals ?? parent.Mute,
            options.ActiveTimeIntervals ?? parent.Active,
            options.EscalateAfter ?? parent.EscalateAfter,
            options.EscalateTo ?? parent.EscalateTo);
        var children = options.Routes.Select((child, i) => Compile(child, $"{path}.{i}", settings)).ToArray();
        return new Node(path, options, settings, children);
    }

    private sealed record Inherited(
        string? Receiver, IReadOnlyList<string> GroupBy, TimeSpan GroupWait, TimeSpan GroupInterval, TimeSpan RepeatInterval,
        IReadOnlyList<string> Mute, IReadOnlyList<string> Active, TimeSpan? EscalateAfter, string? EscalateTo)
    {
        public static Inherited Root(TimeSpan repeatInterval) =>
            new(null, DefaultGroupBy, DefaultGroupWait, DefaultGroupInterval, repeatInterval, [], [], null, null);
    }

    private sealed class Node(string path, AlertRoute options, Inherited settings, Node[] children)
    {
        public string Path { get; } = path;
        public AlertRoute Options { get; } = options;
        public Inherited Settings { get; } = settings;
        public Node[] Children { get; } = children;

        public bool Any(Func<Node, bool> predicate) => predicate(this) || Children.Any(child => child.Any(predicate));

        public IReadOnlyDictionary<string, IReadOnlyList<string>> Matchers { get; } = new Dictionary<string, IReadOnlyList<string>>
            {
                ["connectors"] = options.Connectors ?? [],
                ["owners"] = options.Owners ?? [],
                ["tags"] = options.Tags ?? [],
                ["rules"] = options.Rules ?? [],
                ["severities"] = options.Severities?.Select(SeverityNames.Name).ToArray() ?? [],
            }
            .Where(m => m.Value.Count > 0)
            .ToDictionary(StringComparer.Ordinal);

        public bool Matches(AlertLabels labels, out List<string> because)
        {
            because = [];
            var o = Options;
            if (!Check(o.Connectors, [labels.Connector], "connector", labels.Connector, because)
                || !Check(o.Owners, labels.Owner is { } owner ? [owner] : [], "owner", labels.Owner ?? "(none)", because)
                || !Check(o.Tags, labels.Tags, "tags", string.Join(',', labels.Tags), because)
                || !Check(o.Rules, [labels.Rule], "rule", labels.Rule, because, glob: false)
                || !Check(o.Severities?.Select(SeverityNames.Name).ToList(), [SeverityNames.Name(labels.Severity)], "severity",
                    SeverityNames.Name(labels.Severity), because, glob: false))
            {
                return false;
            }
            return true;
        }

        private bool Check(List<string>? patterns, IReadOnlyList<string> values, string label, string shown, List<string> because, bool glob = true)
        {
            if (patterns is null)
            {
                return true;
            }
            var hit = patterns.FirstOrDefault(pattern => values.Any(value => glob
                ? FileSystemName.MatchesSimpleExpression(pattern, value, ignoreCase: false)
                : string.Equals(pattern, value, StringComparison.Ordinal)));
            if (hit is null)
            {
                return false;
            }
            because.Add($"route {Path}: {label} {shown} matches '{hit}'");
            return true;
        }
    }
}
