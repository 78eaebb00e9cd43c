/* The installed header, found through `pkg-config --cflags ray_client`
   (RAY_CLIENT_USE_PKG_CONFIG=1 in Package.swift). */
#include <ray_client.h>
