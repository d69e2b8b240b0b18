namespace ConnectorHealth.AppHost.Infrastructure;

/// <summary>A configuration or machine problem the AppHost reports in one clear message, without a stack trace.</summary>
public sealed class InfrastructureException(string message) : Exception(message);
