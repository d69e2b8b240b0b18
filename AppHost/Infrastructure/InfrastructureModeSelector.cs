using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.AppHost.Infrastructure;

public static class InfrastructureModeSelector
{
    public static InfrastructureMode Parse(string? value) =>
        string.IsNullOrWhiteSpace(value) ? InfrastructureMode.Auto
        : Enum.TryParse<InfrastructureMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !int.TryParse(value, out _) ? mode
        : throw new InfrastructureException(
            $"Infrastructure:Mode '{value}' is not one of: auto, containers, local, external.");

    /// <summary>Turns the requested mode into the one to run, or explains what is missing.</summary>
    public static InfrastructureMode Resolve(InfrastructureMode requested, IHostProbe probe)
    {
        if (requested is InfrastructureMode.Containers or InfrastructureMode.External)
        {
            return requested;
        }
        if (requested == InfrastructureMode.Auto && probe.ContainerRuntimeAnswers())
        {
            return InfrastructureMode.Containers;
        }

        var missing = new List<(string What, string Install)>();
        if (probe.FindPostgres() is null)
        {
            missing.Add(("the PostgreSQL server binaries (initdb, postgres)", "PostgreSQL ('apt-get install postgresql')"));
        }
        if (probe.FindRabbitMQ() is null)
        {
            missing.Add(("RabbitMQ (rabbitmq-server, epmd)", "RabbitMQ ('apt-get install rabbitmq-server')"));
        }
        if (missing.Count == 0)
        {
            return InfrastructureMode.Local;
        }

        var notFound = $"{string.Join(" and ", missing.Select(m => m.What))} {(missing.Count == 1 ? "was" : "were")} not found";
        var install = string.Join(" and ", missing.Select(m => m.Install));
        throw new InfrastructureException(requested == InfrastructureMode.Local
            ? $"Infrastructure:Mode is 'local' but {notFound}. Install {install}; 'make run' does that for you."
            : $"No container runtime answers and {notFound}. Start Docker or Podman, or install {install} "
              + "('make run' does that for you on Debian and Ubuntu), or set Infrastructure:Mode=external "
              + $"with ConnectionStrings:{ResourceNames.Database} and ConnectionStrings:{ResourceNames.Messaging}.");
    }
}
