namespace ConnectorHealth.PipelineBench;

// Section 8: where the CPU goes.
internal static partial class PipelineReport
{
    private static IEnumerable<string> ProfileSection(PipelineResults results)
    {
        var profile = results.Profile;
        yield return "## 8. Where the CPU goes: a profile of the saturated pipeline";
        yield return "";
        if (profile.Unavailable is { } why)
        {
            yield return $"Not taken: {why}.";
            yield return "";
            yield break;
        }
        var window = profile.Window!;
        yield return $"Linux perf sampled every CPU {profile.Frequency} times a second for {profile.Seconds:N0} s of one more saturated ingest window "
            + $"({window.EndToEndPerSecond:N0} runs/s end to end while sampled; CPU: "
            + string.Join(", ", new[] { "machine" }.Concat(CpuProfile.Profiled).Select(g => $"{g} {window.CpuPercent.GetValueOrDefault(g):N0} %")) + "). "
            + "Managed code is named through the runtime's perf map (the services ran with DOTNET_PerfMapEnabled=1 and, so that perf finds that "
            + "code, DOTNET_EnableWriteXorExecute=0); the kernel's symbols are hidden in this container, so kernel time is one area.";
        yield return "";
        yield return "On this virtual machine many samples arrive late: the timer's interrupt waits until the kernel next enables interrupts, and the "
            + "sample lands there (`pvm_irq_enable`), not on the code that was running. These late samples are counted apart and left out of "
            + "the shares below, which are of the samples that were taken where the code ran: read them as a sample of that code, not as exact "
            + "shares. The kernel's own accounting of system against user time (/proc, the same seconds) is the figure to trust for how much "
            + "of each process's CPU is the kernel's.";
        yield return "";
        yield return "| Process | Samples (CPU-s) | Late samples | System time (/proc) | Areas, by samples taken where the code ran |";
        yield return "|---|---:|---:|---:|---|";
        foreach (var process in profile.Processes)
        {
            yield return $"| {process.Process} | {process.Samples:N0} ({process.Samples / (double)profile.Frequency:N1}) | {process.Late / (double)Math.Max(1, process.Samples):P0} | "
                + $"{process.KernelShare:P0} | {string.Join(", ", process.Areas.Where(a => a.Percent >= 2).Select(a => $"{a.Name} {a.Percent:N0} %"))} |";
        }
        yield return "";
        foreach (var process in profile.Processes)
        {
            yield return $"**{process.Process}**: hottest functions, % of its samples taken where the code ran.";
            yield return "";
            yield return "| Function | % |";
            yield return "|---|---:|";
            foreach (var hot in process.Hottest)
            {
                yield return $"| `{hot.Name.Replace("|", "\\|", StringComparison.Ordinal)}` | {hot.Percent:N1} |";
            }
            yield return "";
        }
    }
}
