using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConnectorHealth.Bench;

/// <summary>
/// What the benchmarks' command lines share: whole numbers written with or without digit separators (<c>10_000_000</c>),
/// the results folder, and what <c>--help</c> or a mistake does (prints, sets the exit code, and the bench does not run).
/// </summary>
internal static class BenchCommandLine
{
    public static Option<int> WholeNumber(string name, int defaultValue, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseWholeNumber(result, name),
    };

    /// <summary>A whole number whose default depends on other options (read from the parse result).</summary>
    public static Option<int> WholeNumber(string name, Func<ArgumentResult, int> defaultValue, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = defaultValue,
        CustomParser = result => ParseWholeNumber(result, name),
    };

    /// <summary>
    /// Prints the report and writes it to <paramref name="output"/> as <c>&lt;time&gt;-&lt;kind&gt;.md</c>, with the results
    /// it was made from beside it as <c>.json</c>.
    /// </summary>
    public static async Task WriteReportAsync<T>(string output, string kind, string report, T results)
    {
        Console.WriteLine();
        Console.WriteLine(report);
        Directory.CreateDirectory(output);
        var stem = Path.Combine(output, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{kind}");
        await File.WriteAllTextAsync(stem + ".md", report);
        await File.WriteAllTextAsync(stem + ".json", JsonSerializer.Serialize(results, new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new JsonStringEnumConverter() },
        }));
        Console.WriteLine($"Report written to {stem}.md and .json");
    }

    public static Option<string> Output() => new("--output")
    {
        Description = "Folder the report is written to (git-ignored)",
        HelpName = "DIR",
        DefaultValueFactory = _ => ResultsFolder(),
    };

    public static Option<string?> Connection() => new("--connection")
    {
        Description = "PostgreSQL connection string; default: start a private server",
        HelpName = "CS",
    };

    /// <summary>
    /// The parsed command line, or null when help was asked for or the input was refused (both already printed, the exit
    /// code set). <paramref name="rule"/> spans options, so it is checked on the parsed values, defaults included.
    /// </summary>
    public static ParseResult? Parse(RootCommand command, IReadOnlyList<string> args, Func<ParseResult, bool> rule, string whenBroken)
    {
        var result = command.Parse(args);
        if (result.Errors.Count > 0 || result.Action is not null)
        {
            Environment.ExitCode = result.Invoke();
            return null;
        }
        if (!rule(result))
        {
            Console.Error.WriteLine($"{whenBroken} See --help.");
            Environment.ExitCode = 1;
            return null;
        }
        return result;
    }

    // bench/results in the repository (git-ignored), found from where the bench is started, else from the bench itself.
    private static string ResultsFolder()
    {
        var repository = FindRepository(Environment.CurrentDirectory) ?? FindRepository(AppContext.BaseDirectory);
        return Path.Combine(repository ?? Environment.CurrentDirectory, "bench", "results");
    }

    private static string? FindRepository(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ConnectorHealth.sln")))
            {
                return folder.FullName;
            }
        }
        return null;
    }

    private static int ParseWholeNumber(ArgumentResult result, string name)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }
        result.AddError($"{name} needs a whole number, not \"{text}\".");
        return 0;
    }
}
