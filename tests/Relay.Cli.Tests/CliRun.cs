using Relay.Cli.Config;
using Relay.Testing;

namespace Relay.Cli.Tests;

/// <summary>Runs the relay command line in-process against captured streams.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    /// <summary>A settings file that does not exist: no test reads the user's own.</summary>
    public static ConfigLocation NoConfig { get; } = new(Path.Combine(Path.GetTempPath(), $"relay-no-config-{Environment.ProcessId}", "config.toml"), Explicit: false);

    public static async Task<CliRun> RunAsync(string[] args, string input = "", bool terminal = false, InterruptSignal? interrupt = null, TimeProvider? time = null, TextWriter? stdout = null, LogLocation? log = null, ConfigLocation? config = null)
    {
        var (console, defaultOut, stderr) = TestConsole.Create(terminal, input);
        var output = stdout ?? defaultOut;
        console = new CliConsole
        {
            In = console.In,
            Out = output,
            Error = TextWriter.Synchronized(stderr),
            InputRedirected = console.InputRedirected,
            OutputIsTerminal = terminal,
            ErrorIsTerminal = terminal,
            ErrorColor = terminal,
            OutputAnsi = terminal,
            Width = 80,
        };
        using var owned = interrupt is null ? new InterruptSignal(register: false) : null;
        var code = await new RelayApp(console, interrupt ?? owned!, time ?? new ImmediateTimeProvider(), log ?? LogLocation.Disabled /* the user's own log is never touched */, config ?? NoConfig).RunAsync(args, TestContext.Current.CancellationToken);
        return new CliRun(code, output.ToString()!, stderr.ToString());
    }
}
