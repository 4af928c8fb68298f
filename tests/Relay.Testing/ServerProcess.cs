using System.Diagnostics;

namespace Relay.Testing;

/// <summary>A child process whose output is kept for diagnostics and which is killed (whole tree) on dispose.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource _sawReadyLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, string? readyLine)
    {
        _process = process;
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_output)
            {
                _output.Add(e.Data);
            }

            if (readyLine is not null && e.Data.Contains(readyLine, StringComparison.Ordinal))
            {
                _sawReadyLine.TrySetResult();
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => _sawReadyLine.TrySetException(new InvalidOperationException($"{process.StartInfo.FileName} exited early:\n{Output}"));
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything it wrote so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts a program with a clean environment (no OPENROUTER_* or RELAY_*) plus some variables.</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="environment">Variables to set.</param>
    /// <param name="readyLine">A line fragment the process prints when ready; <see cref="Ready"/> completes then.</param>
    public static ServerProcess Start(string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? readyLine = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Clear();
        foreach (var (k, v) in CleanEnvironment.For(environment))
        {
            info.Environment[k] = v;
        }

        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process, readyLine);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Completes when the ready line was printed; fails if the process exits first.</summary>
    public Task Ready => _sawReadyLine.Task;

    /// <summary>Kills it at once (SIGKILL): what a crash looks like to everyone else.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }
}
