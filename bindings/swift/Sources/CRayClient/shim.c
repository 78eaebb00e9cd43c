/* SwiftPM builds a C target only when it has a source file; the module is the header in
   include/ (a link to the repository's include/ray_client.h), the code is libray_client. */
#include "ray_client.h"
