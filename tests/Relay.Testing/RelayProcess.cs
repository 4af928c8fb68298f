using System.Diagnostics;
using System.Text;
namespace Relay.Testing;

/// <summary>
/// The built <c>relay</c> executable as a separate process: stdout and stderr captured as they come (so a test can
/// await a piece of output), optionally on a pseudo-terminal through util-linux <c>script</c>.
/// </summary>
public sealed class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Output _stdout = new();
    private readonly Output _stderr = new();
    private readonly Task _pumps;

    private RelayProcess(Process process)
    {
        _process = process;
        _pumps = Task.WhenAll(
            Pump(process.StandardOutput.BaseStream, _stdout),
            Pump(process.StandardError.BaseStream, _stderr));
    }

    /// <summary>The RELAY_HOME of runs whose test gives none.</summary>
    public static string SharedHome { get; } = Path.Combine(Path.GetTempPath(), $"relay-e2e-home-{Environment.ProcessId}");

    public int Id => _process.Id;

    /// <summary>What it wrote to stdout so far (on a pty: everything the terminal showed).</summary>
    public string Stdout => _stdout.Text;

    public string Stderr => _stderr.Text;

    /// <summary>Runs <c>relay</c> with <paramref name="args"/> and only <paramref name="environment"/> of the Relay settings.</summary>
    /// <param name="args">The command line after <c>relay</c>.</param>
    /// <param name="environment">The Relay settings it gets (nothing else of the test's environment).</param>
    /// <param name="terminal">On a pseudo-terminal (through script(1)).</param>
    /// <param name="workingDirectory">Where it runs (default: the test's).</param>
    /// <param name="executable">Another relay executable (e.g. an installed tool); default: the one built beside src/Relay.Cli.</param>
    public static RelayProcess Start(IEnumerable<string> args, IDictionary<string, string?>? environment = null, bool terminal = false, string? workingDirectory = null, string? executable = null)
    {
        var (exe, prefix) = executable is null ? Executable() : (executable, []);
        var arguments = prefix.Concat(args).ToList();
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        // The signals the tests send are the program's to handle, even where this test run was started with them ignored
        // (`dotnet test &` from a script, nohup): an ignored disposition is inherited through exec, so env(1) resets it
        // and then execs the program (same pid).
        string[] defaultSignals = ["env", "--default-signal=INT,HUP,QUIT,TERM"];
        if (terminal)
        {
            // script(1) gives relay a pty on stdin, stdout and stderr; -e returns relay's exit code.
            info.FileName = ExternalServers.Find("script") ?? throw new InvalidOperationException("script (util-linux) is not on PATH");
            info.ArgumentList.Add("-qfec");
            info.ArgumentList.Add($"stty cols 100 rows 40 2>/dev/null; exec {string.Join(' ', defaultSignals.Append(exe).Concat(arguments).Select(Quote))}");
            info.ArgumentList.Add("/dev/null");
        }
        else
        {
            info.FileName = ExternalServers.Find("env") ?? "/usr/bin/env";
            foreach (var a in defaultSignals.Skip(1).Append(exe).Concat(arguments))
            {
                info.ArgumentList.Add(a);
            }
        }

        info.Environment.Clear();
        foreach (var (k, v) in CleanEnvironment.For(environment))
        {
            info.Environment[k] = v;
        }

        if (!info.Environment.ContainsKey("RELAY_HOME"))
        {
            // The conversation log of every run goes to a folder of this test run, never the user's own.
            info.Environment["RELAY_HOME"] = SharedHome;
        }

        if (!info.Environment.ContainsKey("RELAY_CONFIG") && environment?.ContainsKey("XDG_CONFIG_HOME") != true)
        {
            // Nor the user's settings file: one of this test run, which no test writes unless it says so.
            info.Environment["XDG_CONFIG_HOME"] = Path.Combine(SharedHome, "config");
        }

        info.Environment["TERM"] = "xterm-256color";
        info.Environment.Remove("NO_COLOR");
        var process = Process.Start(info)!;
        if (!terminal)
        {
            // Like a command run from a script with nothing piped in: relay reads piped stdin as part of the prompt.
            process.StandardInput.Close();
        }

        return new RelayProcess(process);
    }

    /// <summary>Completes when stdout satisfies <paramref name="condition"/>; fails after <paramref name="timeout"/> with the output so far.</summary>
    public Task WaitForStdoutAsync(Func<string, bool> condition, TimeSpan timeout) => _stdout.WaitAsync(condition, timeout, this);

    public Task WaitForStderrAsync(Func<string, bool> condition, TimeSpan timeout) => _stderr.WaitAsync(condition, timeout, this);

    /// <summary>Waits for the exit (and the last output); kills it and fails after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            await _pumps.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"relay did not exit within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    /// <summary>Types into its stdin (on a pty: as keys; "\u0003" is Ctrl+C, "\u0004" Ctrl+D).</summary>
    public async Task TypeAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a shell does.</summary>
    public Task InterruptAsync() => SignalAsync("INT");

    /// <summary>Sends a signal by name (INT, TERM, HUP) to the process (not on a pty: there it is script's).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} exited {kill.ExitCode}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The output the way a user's terminal shows it: ANSI sequences and carriage returns resolved to text.</summary>
    public static string Visible(string terminalOutput) => TerminalScreen.Render(terminalOutput);

    /// <summary>The repository's root (where Relay.slnx is).</summary>
    public static string RepositoryRoot => ExternalServers.RepositoryRoot;

    /// <summary>The relay executable (apphost) built beside src/Relay.Cli for this test's configuration.</summary>
    public static string BuiltExecutable
    {
        get
        {
            var (exe, prefix) = Executable();
            return prefix.Length == 0 ? exe : throw new InvalidOperationException($"no relay apphost was built beside {prefix[0]}");
        }
    }

    private static (string Exe, string[] Prefix) Executable()
    {
        // A test runs from tests/<project>/bin/<Configuration>/net10.0/; relay is built beside src/Relay.Cli.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        var dir = Path.Combine(RepositoryRoot, "src", "Relay.Cli", "bin", configuration, "net10.0");
        var apphost = Path.Combine(dir, "relay");
        if (File.Exists(apphost))
        {
            return (apphost, []);
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ExternalServers.Find("dotnet") ?? "dotnet";
        return (dotnet, [Path.Combine(dir, "relay.dll")]);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static async Task Pump(Stream stream, Output output)
    {
        var decoder = Encoding.UTF8.GetDecoder();
        var bytes = new byte[4096];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
        int read;
        while ((read = await stream.ReadAsync(bytes)) > 0)
        {
            var n = decoder.GetChars(bytes, 0, read, chars, 0);
            output.Append(chars.AsSpan(0, n));
        }

        output.Complete();
    }

    /// <summary>Text that grows; waiters are woken on every append (no polling).</summary>
    private sealed class Output
    {
        private readonly StringBuilder _text = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _complete;

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public void Append(ReadOnlySpan<char> chars)
        {
            TaskCompletionSource changed;
            lock (_text)
            {
                _text.Append(chars);
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }

        public void Complete()
        {
            TaskCompletionSource changed;
            lock (_text)
            {
                _complete = true;
                changed = _changed;
            }

            changed.TrySetResult();
        }

        public async Task WaitAsync(Func<string, bool> condition, TimeSpan timeout, RelayProcess owner)
        {
            using var deadline = new CancellationTokenSource(timeout);
            while (true)
            {
                Task changed;
                bool complete;
                string text;
                lock (_text)
                {
                    text = _text.ToString();
                    changed = _changed.Task;
                    complete = _complete;
                }

                if (condition(text))
                {
                    return;
                }

                if (complete)
                {
                    throw new InvalidOperationException($"the output ended without the expected text.\nstdout:\n{owner.Stdout}\nstderr:\n{owner.Stderr}");
                }

                try
                {
                    await changed.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"the expected output did not come within {timeout}.\nstdout:\n{owner.Stdout}\nstderr:\n{owner.Stderr}");
                }
            }
        }
    }
}
