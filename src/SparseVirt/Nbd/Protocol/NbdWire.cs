namespace SparseVirt.Nbd.Protocol;

// The NBD protocol's numbers (NetworkBlockDevice/nbd doc/proto.md; QEMU include/block/nbd.h agrees). Every field on the
// wire is big-endian.

/// <summary>Magic numbers that open each message.</summary>
internal static class NbdMagic
{
    /// <summary>"NBDMAGIC": the server's first eight bytes.</summary>
    public const ulong InitPassword = 0x4e42444d41474943;

    /// <summary>"IHAVEOPT": newstyle negotiation, and the start of every option the client sends.</summary>
    public const ulong OptionRequest = 0x49484156454F5054;

    /// <summary>Starts every option reply.</summary>
    public const ulong OptionReply = 0x3e889045565a9;

    /// <summary>Starts every transmission request (compact headers).</summary>
    public const uint Request = 0x25609513;

    /// <summary>Starts an extended-header request; only valid once extended headers are negotiated, which this server refuses.</summary>
    public const uint ExtendedRequest = 0x21e41c71;

    /// <summary>Starts a simple reply.</summary>
    public const uint SimpleReply = 0x67446698;

    /// <summary>Starts a structured reply chunk.</summary>
    public const uint StructuredReply = 0x668e33ef;
}

/// <summary>The server's handshake flags (16 bits) and the client's answer (32 bits).</summary>
[Flags]
internal enum NbdHandshakeFlags : uint
{
    None = 0,
    FixedNewstyle = 1 << 0,
    NoZeroes = 1 << 1,
}

/// <summary>Option numbers of the negotiation phase.</summary>
internal enum NbdOption : uint
{
    ExportName = 1,
    Abort = 2,
    List = 3,
    StartTls = 5,
    Info = 6,
    Go = 7,
    StructuredReply = 8,
    ListMetaContext = 9,
    SetMetaContext = 10,
    ExtendedHeaders = 11,
}

/// <summary>Option reply types; errors have bit 31 set.</summary>
internal enum NbdOptionReplyType : uint
{
    Ack = 1,
    Server = 2,
    Info = 3,
    MetaContext = 4,
    ErrorUnsupported = 0x8000_0000 | 1,
    ErrorPolicy = 0x8000_0000 | 2,
    ErrorInvalid = 0x8000_0000 | 3,
    ErrorPlatform = 0x8000_0000 | 4,
    ErrorTlsRequired = 0x8000_0000 | 5,
    ErrorUnknown = 0x8000_0000 | 6,
    ErrorShutdown = 0x8000_0000 | 7,
    ErrorBlockSizeRequired = 0x8000_0000 | 8,
    ErrorTooBig = 0x8000_0000 | 9,
}

/// <summary>Information items of <see cref="NbdOption.Info"/> and <see cref="NbdOption.Go"/>.</summary>
internal enum NbdInfoType : ushort
{
    Export = 0,
    Name = 1,
    Description = 2,
    BlockSize = 3,
}

/// <summary>Transmission flags sent with the export's size.</summary>
[Flags]
internal enum NbdTransmissionFlags : ushort
{
    HasFlags = 1 << 0,
    ReadOnly = 1 << 1,
    SendFlush = 1 << 2,
    SendFua = 1 << 3,
    Rotational = 1 << 4,
    SendTrim = 1 << 5,
    SendWriteZeroes = 1 << 6,
    SendDontFragment = 1 << 7,
    CanMultiConnection = 1 << 8,
    SendResize = 1 << 9,
    SendCache = 1 << 10,
    SendFastZero = 1 << 11,
}

/// <summary>Transmission request types.</summary>
internal enum NbdCommand : ushort
{
    Read = 0,
    Write = 1,
    Disconnect = 2,
    Flush = 3,
    Trim = 4,
    Cache = 5,
    WriteZeroes = 6,
    BlockStatus = 7,
}

/// <summary>Request flags.</summary>
[Flags]
internal enum NbdCommandFlags : ushort
{
    None = 0,
    ForceUnitAccess = 1 << 0,
    NoHole = 1 << 1,
    DontFragment = 1 << 2,
    RequestOne = 1 << 3,
    FastZero = 1 << 4,
    PayloadLength = 1 << 5,
}

/// <summary>Structured reply chunk types; errors have bit 15 set.</summary>
internal enum NbdReplyChunkType : ushort
{
    None = 0,
    OffsetData = 1,
    OffsetHole = 2,
    BlockStatus = 5,
    Error = 0x8000 | 1,
    ErrorOffset = 0x8000 | 2,
}

/// <summary>Structured reply chunk flags.</summary>
[Flags]
internal enum NbdReplyFlags : ushort
{
    None = 0,
    Done = 1 << 0,
}

/// <summary>The error values the protocol allows in replies (errno numbers as Linux has them).</summary>
internal enum NbdError : uint
{
    None = 0,
    NotPermitted = 1,
    InputOutput = 5,
    OutOfMemory = 12,
    InvalidArgument = 22,
    NoSpace = 28,
    Overflow = 75,
    NotSupported = 95,
    Shutdown = 108,
}

/// <summary>Status flags of the <c>base:allocation</c> metadata context.</summary>
[Flags]
internal enum NbdAllocationState : uint
{
    Data = 0,
    Hole = 1 << 0,
    Zero = 1 << 1,
}
