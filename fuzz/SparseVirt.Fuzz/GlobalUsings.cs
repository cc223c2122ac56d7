// The library namespaces the targets use, in one place: when an area's namespaces are reshaped, only this file changes.
global using SparseVirt.BlockSources;
global using SparseVirt.Fuzz.Harness;
global using SparseVirt.Qemu.Qmp;
global using SparseVirt.Sparse;
global using SparseVirt.Layouts;
global using SparseVirt.Layouts.Gpt;
global using SparseVirt.Layouts.Super;
global using SparseVirt.FileSystems;
