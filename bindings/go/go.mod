module github.com/ray-client/ray-client/bindings/go

go 1.24
