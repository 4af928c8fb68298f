namespace Relay.Cli;

/// <summary>The process exit codes, as documented in the README.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Error = 1;

    /// <summary>A usage or configuration error.</summary>
    public const int Usage = 2;
    public const int Interrupted = 130;

    /// <summary>SIGHUP (128 + 1): the terminal went away; the stream stays at the edge.</summary>
    public const int HangUp = 129;

    /// <summary>SIGTERM (128 + 15); the stream stays at the edge.</summary>
    public const int Terminated = 143;
}
