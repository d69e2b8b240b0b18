namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>A command line: what the AppHost runs for a local resource.</summary>
public sealed record LaunchSpec(string Command, IReadOnlyList<string> Args);
