using System.Runtime.InteropServices;

namespace Relay.Cli;

/// <summary>
/// The process's signals, owned by the CLI alone (in-process hosts take none). Ctrl+C (SIGINT) per answer:
/// while an answer streams, Ctrl+C cancels that answer only and the program goes on; at an idle prompt, a
/// first Ctrl+C shows a hint and a second one asks to exit. SIGTERM and SIGHUP end the whole program
/// (<see cref="Terminated"/>) without cancelling the stream at the edge, so it can be reattached; the exit
/// code is then 128 + the signal's number. System.CommandLine's handler cancels once for the whole
/// invocation, which cannot serve a chat where every answer may be interrupted, so the CLI takes the
/// signals itself.
/// </summary>
internal sealed class InterruptSignal : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly TaskCompletionSource _exitRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _terminated = new();
    private CancellationTokenSource? _answer;
    private int _idlePresses;
    private int _terminationExitCode;

    public InterruptSignal(bool register = true)
    {
        if (register)
        {
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                Raise();
            }));
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                Terminate(ExitCodes.Terminated);
            }));
            _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                Terminate(ExitCodes.HangUp);
            }));
        }
    }

    /// <summary>Cancelled by SIGTERM or SIGHUP: the whole program ends.</summary>
    public CancellationToken Terminated => _terminated.Token;

    /// <summary>128 + the signal's number once SIGTERM or SIGHUP arrived, else null.</summary>
    public int? TerminationExitCode
    {
        get
        {
            var code = Volatile.Read(ref _terminationExitCode);
            return code == 0 ? null : code;
        }
    }

    /// <summary>What SIGTERM or SIGHUP do; public so tests can send one without a signal.</summary>
    public void Terminate(int exitCode)
    {
        if (Interlocked.CompareExchange(ref _terminationExitCode, exitCode, 0) == 0)
        {
            _terminated.Cancel();
        }
    }

    /// <summary>Raised on a Ctrl+C at an idle prompt (the first of two).</summary>
    public event Action? IdleInterrupt;

    /// <summary>Completes when Ctrl+C was pressed twice at an idle prompt.</summary>
    public Task ExitRequested => _exitRequested.Task;

    /// <summary>A token cancelled by the next Ctrl+C, for one answer; dispose the result when it ends.</summary>
    public AnswerScope BeginAnswer(CancellationToken outer)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        lock (_gate)
        {
            _answer = cts;
            _idlePresses = 0;
        }

        return new AnswerScope(this, cts);
    }

    /// <summary>What a SIGINT does; public so tests can press Ctrl+C without a signal.</summary>
    public void Raise()
    {
        CancellationTokenSource? answer;
        var exit = false;
        lock (_gate)
        {
            answer = _answer;
            if (answer is null)
            {
                exit = ++_idlePresses >= 2;
            }
        }

        if (answer is not null)
        {
            answer.Cancel();
        }
        else if (exit)
        {
            _exitRequested.TrySetResult();
        }
        else
        {
            IdleInterrupt?.Invoke();
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _terminated.Dispose();
    }

    private void End(CancellationTokenSource cts)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_answer, cts))
            {
                _answer = null;
            }
        }

        cts.Dispose();
    }

    /// <summary>One answer's interruptible scope.</summary>
    internal sealed class AnswerScope(InterruptSignal owner, CancellationTokenSource cts) : IDisposable
    {
        public CancellationToken Token => cts.Token;

        public void Dispose() => owner.End(cts);
    }
}
