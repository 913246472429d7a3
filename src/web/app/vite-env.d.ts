// The app imports its stylesheet; Vite bundles it (vite/client declares such imports).
/// <reference types="vite/client" />
